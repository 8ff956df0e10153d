"""What the user sets up in the app, as plain data: the pooling parameters, the input x and
the loss (hence the upstream gradient ∂L/∂y), and the sentences that explain the numbers.

numpy (and Pillow for images) only: no streamlit, no plotly, no torch.
"""
