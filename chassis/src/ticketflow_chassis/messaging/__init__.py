"""RabbitMQ wiring: topology, consuming with dead-lettering, publishing, the outbox relay."""
