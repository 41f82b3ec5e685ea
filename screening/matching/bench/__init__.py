"""The matching scorecard and its data (``make bench-screening``): kept out of the wheel and the image."""
