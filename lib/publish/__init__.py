"""The public edition built ahead of time: each closed week's public pages as static HTML."""
