"""One controller per feature of the main window: PINs, signing, the service desk, the portal hand-off.

The window owns the pages, the navigation and the card flows; a controller
turns one page's requests into card or database jobs and shows the results.
Strings keep the window's translation context ("MainWindow").
"""
