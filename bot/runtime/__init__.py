"""Start-up and serving of `fal-bot run`: token checks (`tokens`), start-up retries (`startup`),
health (`health`), HTTP serving (`http`, `connections`, `slack_request`, `replay`), shutdown
(`shutdown`), and the one function that wires it all (`wiring.run`)."""
