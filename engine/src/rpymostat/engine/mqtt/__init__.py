"""Home Assistant over MQTT: a bridge service inside the engine (off unless
``RPYMOSTAT_MQTT_URL`` is set) that publishes zones, sensors, outputs and alarms through Home
Assistant's MQTT discovery and applies HA's commands through the REST API's code paths."""
