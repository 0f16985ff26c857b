# Run by IMAPSieve when a message is moved or copied out of a spam folder
# (90-mailuminati.conf): reports it to mailuminati-guardian as ham.
require ["vnd.dovecot.pipe", "copy", "imapsieve", "environment"];

# Deleting from Junk moves the message to the trash in most clients: that
# says nothing about the message, and a ham report would lower the score
# of a real spam.  Moving to another spam folder is not ham either.
# ("imap.mailbox" is the destination; :is compares without case.)
if environment :is "imap.mailbox" [
    "Trash", "INBOX.Trash", "Deleted Items", "INBOX.Deleted Items",
    "Deleted Messages", "INBOX.Deleted Messages",
    "Junk", "Spam", "INBOX.Junk", "INBOX.Spam"] {
	stop;
}

pipe :copy "guardian-report.sh" ["ham"];
