"""Deployment files: nginx in front of several Streamlit replicas, and the static public edition."""
