"""Clean-room benchmark data for the tracing engine, written without reading the engine or its generator."""
