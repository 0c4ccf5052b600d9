"""Stories written from a topic by a chat model, before the pipeline runs (see :mod:`.worker`)."""
