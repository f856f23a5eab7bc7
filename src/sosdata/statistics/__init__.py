"""Published statistics: tables (SQL over the built register), disclosure control,
exports and charts."""
