"""What the Streamlit pages call: translation, data access, caching and the colour scheme."""
