"""The simulated house: a thermal model the sim sensor and relay plugins talk to."""
