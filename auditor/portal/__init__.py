"""The court-linked portal: a firm opens its own findings from a link the court sends.

- :mod:`invites`  one link per firm for the court's latest recorded run: a random token kept only as its
                  SHA-256, scoped to the firm, court and run, ending after 15 days or with the next month
- :mod:`sessions` sessions started from an invite, and the one firm's findings they read
- :mod:`routes`   the pages on ``auditor serve --history --base-url``: the link's page, its button, the firm's page
- :mod:`command`  ``auditor invite``: make the links, print firm, contact and link as CSV
- :mod:`clerk`    the clerk's page: open only on the server itself or after a sign-in with the clerk's password;
                  :mod:`overview` reads what it shows (links, answers, acceptances ending, messages)
- :mod:`relink`   a firm asks for a new link, sent through the court's relay to an address on file only
- :mod:`forms`    the forms' CSRF tokens and counted attempts; :mod:`site` makes these pages for the server
"""
