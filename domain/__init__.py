"""Pure clinical and operational rules: no Streamlit, no SQL, plain data in and out."""
