"""What the user sets up in the app, as plain data: the pooling parameters, the input x and
the loss (hence the upstream gradient dL/dy), and the sentences that explain the numbers.

numpy (and Pillow for images) only: no streamlit, no plotly, no torch.
"""
