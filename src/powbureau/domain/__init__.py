"""Pure rules of the bureau: people, partial dates, events, lifecycle. No framework, no I/O."""
