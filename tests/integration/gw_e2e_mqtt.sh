#!/usr/bin/env bash
# gw_e2e_mqtt.sh - gw_e2e.sh with the gateway's north side over MQTT through a real mosquitto:
# broker password from GET /gwif/v1/mqtt, up/data held in the queue until down/ack. Over TLS
# (mqtts://, the broker's certificate issued by the platform CA), as make run does.
GW_E2E_BINDING=mqtt MQTT_TLS=1 exec bash "$(dirname "$0")/gw_e2e.sh"
