"""History queries (issue 20): ``GET /v1/history`` over the stores' readings, JSON or CSV."""
