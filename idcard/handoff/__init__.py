"""Browser hand-off: the local service a portal's login link navigates to (assertion.md).

    workflow = HandoffWorkflow(TerminalPrompt(), reader="pcsc:...", policy=UrlPolicy(dev=False))
    HandoffServer(workflow, port=24727).serve_forever()

`HandoffWorkflow.run(request_url)` is also usable without a browser
(`idcard auth`): it fetches the portal's request, asks the citizen through a
`Prompt`, unlocks the card, builds and submits the token, and tells where the
browser should go.
"""

from idcard.handoff.prompt import TEST_PIN_ENV, AutoPrompt, Prompt, TerminalPrompt
from idcard.handoff.request import AuthRequest, HandoffError, PortalClient, UrlPolicy, origin_of
from idcard.handoff.server import DEFAULT_PORT, HandoffServer, create_app
from idcard.handoff.workflow import HandoffWorkflow, Outcome

__all__ = [
    "DEFAULT_PORT",
    "TEST_PIN_ENV",
    "AuthRequest",
    "AutoPrompt",
    "HandoffError",
    "HandoffServer",
    "HandoffWorkflow",
    "Outcome",
    "PortalClient",
    "Prompt",
    "TerminalPrompt",
    "UrlPolicy",
    "create_app",
    "origin_of",
]
