"""Source clients: one interface per source family, a replay and a live implementation of each."""
