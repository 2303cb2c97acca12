"""Each firm's part of a written run, sent to the firm: a PDF notice and one e-mail message per firm.

``settings``  the court's details and mail relay, from a small file the clerk fills once
``source``    what a written run holds for each firm: its findings (read back from its own workbook), its
              workbook file, and the court's own items
``contacts``  who at each firm gets the message (the court's contacts CSV)
``notice``    the PDF letter, from a Jinja2 template the court may override
``message``   the e-mail message (plain text with an HTML alternative, notice and workbook attached)
``deliver``   drafts (.eml marked unsent) and SMTP delivery with retries, recorded in the history
``record``    the history's record of each firm's delivery per run
``command``   the ``auditor notify`` command

A firm's notice and message are made from that firm's own workbook alone (the workbook the audit wrote
for it with ``--split-by-firm``, where people of other firms are already left out), never from the
court's whole report, so nothing of another firm can reach it.
"""
