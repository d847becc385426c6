"""Proposals: drafted, published, supported, amended, discussed, translated, sent to the board and answered."""
