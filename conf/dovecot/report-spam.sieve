# Run by IMAPSieve when a message is moved, copied or appended into a
# spam folder (90-mailuminati.conf): reports it to mailuminati-guardian.
require ["vnd.dovecot.pipe", "copy", "imapsieve"];

pipe :copy "guardian-report.sh" ["spam"];
