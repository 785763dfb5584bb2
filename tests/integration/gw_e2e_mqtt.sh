#!/usr/bin/env bash
# gw_e2e_mqtt.sh - gw_e2e.sh with the gateway's north side over MQTT through a real mosquitto:
# broker password from GET /gwif/v1/mqtt, up/data held in the queue until down/ack.
GW_E2E_BINDING=mqtt exec bash "$(dirname "$0")/gw_e2e.sh"
