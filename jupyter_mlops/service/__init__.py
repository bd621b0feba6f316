"""The service layer: every user-facing action is one function here, used alike by the CLI,
the REST API, the widgets and (through the API) the JupyterLab panel."""
