"""Service runtime: Service, Manager, periodic tasks, launcher."""
