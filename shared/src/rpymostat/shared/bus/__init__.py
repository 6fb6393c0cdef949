"""The status bus: dotted topics, a merging status tree, sequence numbers and gap detection.

Pure logic here; the ZeroMQ transport (txzmq) builds on it (issue 3).
"""
