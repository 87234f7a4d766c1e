"""Running untrusted student code in a separate worker process."""
