"""Running an assignment's tests against one submission, and a class of them."""
