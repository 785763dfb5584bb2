#!/usr/bin/env bash
# gwif_mqtt_tls.sh - gwif_mqtt.sh over TLS: the managed broker listens with mqtts only, on a
# certificate suidod issued from the platform CA; suidod and the gateways verify it; a plain
# connection to that listener is refused.
MQTT_TLS=1 exec bash "$(dirname "$0")/gwif_mqtt.sh"
