"""The engine process on the MongoDB backend (txmongo over a real socket) against the
MongoWireDouble — a wire-protocol test double backed by mongomock, not a MongoDB server."""



from .mongo_double import MongoWireDouble
from .processes import Daemon

SEED = {"host_id": "myhostid", "sensors": {"1058F50F01080047": {
    "type": "DS18S20", "value": 24.3125}}}



def test_engine_on_mongodb_round_trip(engine_factory, double: MongoWireDouble) -> None:
    """With RPYMOSTAT_STORE=mongodb://... the seed PUT is stored and listed."""
    engine: Daemon = engine_factory(RPYMOSTAT_STORE=double.uri("rpymostat")).start()
    assert engine.request("GET", "/v1/status")[1]["dependencies"] == {"store": True}
    assert engine.request("PUT", "/v1/sensors/update", SEED)[0] == 201
    [sensor] = engine.request("GET", "/v1/sensors")[1]["sensors"]
    assert (sensor["id"], sensor["last_value"]) == ("myhostid:1058F50F01080047", 24.3125)


def test_mongodb_outage_is_503_and_engine_survives(engine_factory, double: MongoWireDouble
                                                   ) -> None:
    """When MongoDB goes away, status and ingest answer 503 (JSON) within the store timeout,
    and the engine keeps serving."""
    engine: Daemon = engine_factory(RPYMOSTAT_STORE=double.uri("rpymostat"),
                                    RPYMOSTAT_STORE_TIMEOUT="2").start()
    assert engine.request("PUT", "/v1/sensors/update", SEED)[0] == 201
    double.stop()
    code, body = engine.request("GET", "/v1/status", timeout=10)
    assert (code, body["status"]) == (503, False)
    code, body = engine.request("PUT", "/v1/sensors/update", SEED, timeout=10)
    assert (code, body["status"]) == (503, "error")
    assert engine.alive()
    assert "unexpected error" not in engine.log()
