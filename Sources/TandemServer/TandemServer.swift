// Placeholder: replaced by the TandemServer implementation.
enum TandemServerModule {}
