"""Zero-configuration discovery over DNS-SD/mDNS (python-zeroconf): daemons advertise
``_rpymostat._tcp.local.``; agents and the web UI browse for the engine."""
