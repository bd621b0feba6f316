"""Route handlers, one module per resource; each validates a request and calls one service function."""
