"""One RPyMostat plugin of each kind (the worked example of docs/plugins.md)."""
