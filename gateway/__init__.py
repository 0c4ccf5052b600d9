"""The HTTP gateway: accepts jobs, queues their first stage, and reports how they go."""
