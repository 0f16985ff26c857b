=head1 NAME

Mail::SpamAssassin::Plugin::Mailuminati - ask a Mailuminati Guardian daemon

=head1 SYNOPSIS

  tryplugin Mail::SpamAssassin::Plugin::Mailuminati Mailuminati.pm
  loadplugin Mail::SpamAssassin::Plugin::Mailuminati

  header MAILUMINATI_SPAM eval:check_mailuminati_spam()
  header MAILUMINATI_SUSPICIOUS eval:check_mailuminati_suspicious()

  add_header all Mailuminati _MAILUMINATI_

=head1 DESCRIPTION

Posts each message once, unmodified, to the Guardian's C</analyze>
endpoint and turns its answer into two eval rules:
C<check_mailuminati_spam()> is true when the action is C<spam> or
C<reject>, C<check_mailuminati_suspicious()> when it is not but
C<proximity_match> is true.  Any failure (no answer, timeout, an HTTP
status other than 200, an answer that is not JSON) leaves both rules
false: the scan goes on without them.

The template tag C<_MAILUMINATI_> holds a short summary of the answer
(action, label, match source, distance, request id) or of the failure,
for an C<add_header> line.

=head1 CONFIGURATION

=over 4

=item mailuminati_endpoint URL

Default C<http://127.0.0.1:12421/analyze>; http or https.

=item mailuminati_timeout SECONDS

Default 5 (0 < SECONDS <= 300): the deadline of the whole request.

=item mailuminati_token TOKEN

Default none.  Sent as C<Authorization: Bearer TOKEN>, for a daemon with
C<API_TOKEN> set.

=back

All three are site settings: they are not accepted from spamd user
preferences.  The token is never written to a log.

=cut

package Mail::SpamAssassin::Plugin::Mailuminati;

use strict;
use warnings;

use Mail::SpamAssassin::Plugin;
use Mail::SpamAssassin::Logger;
use Mail::SpamAssassin::Timeout;
use HTTP::Request;
use LWP::UserAgent;
use JSON ();
use Time::HiRes ();

our @ISA = qw(Mail::SpamAssassin::Plugin);
our $VERSION = '1.1';

# The answer lists every digest of the message: 1 MiB leaves room for
# thousands while bounding what a wrong endpoint can make us buffer.
use constant MAX_ANSWER => 1024 * 1024;

sub new {
  my ($class, $mailsa) = @_;
  $class = ref($class) || $class;
  my $self = $class->SUPER::new($mailsa);
  bless($self, $class);

  $self->set_config($mailsa->{conf});
  # The type lets SpamAssassin 4 check that rules calling them are header
  # rules; older versions ignore it.
  my $type = $Mail::SpamAssassin::Conf::TYPE_HEAD_EVALS;
  $self->register_eval_rule('check_mailuminati_spam', $type);
  $self->register_eval_rule('check_mailuminati_suspicious', $type);
  return $self;
}

# Lets a configuration test for this version: if can(...::has_token).
sub has_token { 1 }

sub set_config {
  my ($self, $conf) = @_;
  my @cmds;

  # The endpoint and the timeout decide where every message goes and how
  # long a scan may wait: site settings only (spamd refuses them in user
  # preferences, with a log line that may show the value).
  push(@cmds, {
    setting  => 'mailuminati_endpoint',
    is_admin => 1,
    default  => 'http://127.0.0.1:12421/analyze',
    type     => $Mail::SpamAssassin::Conf::CONF_TYPE_STRING,
    code     => sub {
      my ($conf, $key, $value, $line) = @_;
      return $Mail::SpamAssassin::Conf::MISSING_REQUIRED_VALUE
        if $value eq '';
      # http(s) only, no user:password part (it would end up in logs).
      return $Mail::SpamAssassin::Conf::INVALID_VALUE
        unless $value =~ m{^(https?://[^\s/?#\@]+(?:[/?]\S*)?)$}i;
      $conf->{mailuminati_endpoint} = $1;
      return;
    },
  });

  push(@cmds, {
    setting  => 'mailuminati_timeout',
    is_admin => 1,
    default  => 5,
    type     => $Mail::SpamAssassin::Conf::CONF_TYPE_NUMERIC,
    code     => sub {
      my ($conf, $key, $value, $line) = @_;
      return $Mail::SpamAssassin::Conf::MISSING_REQUIRED_VALUE
        if $value eq '';
      return $Mail::SpamAssassin::Conf::INVALID_VALUE
        unless $value =~ /^(\d+(?:\.\d+)?)$/ && $1 > 0 && $1 <= 300;
      $conf->{mailuminati_timeout} = $1 + 0;
      return;
    },
  });

  # Not is_admin: SpamAssassin would then log the refused line, token
  # included.  The same rule is applied here without echoing the value.
  push(@cmds, {
    setting => 'mailuminati_token',
    default => '',
    type    => $Mail::SpamAssassin::Conf::CONF_TYPE_STRING,
    code    => sub {
      my ($conf, $key, $value, $line) = @_;
      my $parser = $conf->{parser};
      if ($parser && $parser->{scoresonly}) {
        info("config: mailuminati_token is a site setting, " .
             "ignored in user preferences");
        return;
      }
      if ($value !~ /^([\x21-\x7e]+)$/) {
        # Our own message: the parser's would quote the whole line.
        $parser->lint_warn("config: mailuminati_token needs one value " .
                           "of printable characters without spaces")
          if $parser;
        return;
      }
      $conf->{mailuminati_token} = $1;
      return;
    },
  });

  $conf->{parser}->register_commands(\@cmds);
}

# Tag value until a rule asks for the verdict (rules disabled, or the
# scan stopped early).
sub check_start {
  my ($self, $opts) = @_;
  $opts->{permsgstatus}->set_tag('MAILUMINATI', 'not_checked');
  return;
}

sub check_mailuminati_spam {
  my ($self, $pms) = @_;
  my $r = $self->_result($pms);
  return 0 unless $r->{spam};
  $pms->test_log($r->{summary});
  return 1;
}

sub check_mailuminati_suspicious {
  my ($self, $pms) = @_;
  my $r = $self->_result($pms);
  return 0 unless $r->{suspicious};
  $pms->test_log($r->{summary});
  return 1;
}

# Header-safe token for the tag: the label may come from the Oracle.
sub _clean {
  my ($v) = @_;
  return undef if !defined $v || ref $v;
  $v =~ s/[^A-Za-z0-9_.:\-]/_/g;
  return substr($v, 0, 64);
}

sub _fail {
  my ($pms, $r, $took, $tag, $msg) = @_;
  info("mailuminati: $msg (after ${took}s); rules skipped, " .
       "message not marked");
  $r->{summary} = "error=$tag";
  $pms->set_tag('MAILUMINATI', $r->{summary});
  return $r;
}

# One request per message, whichever rule runs first.
sub _result {
  my ($self, $pms) = @_;
  return $pms->{mailuminati_result} if $pms->{mailuminati_result};
  my $r = $pms->{mailuminati_result} = { spam => 0, suspicious => 0 };

  # --lint scans a built-in message: its result must not depend on the
  # daemon, and the daemon need not store it.
  if ($pms->{main}->{lint_rules}) {
    dbg('mailuminati: lint run, no request sent');
    $r->{summary} = 'not_checked';
    return $r;
  }

  my $conf = $pms->{conf};
  my $url = $conf->{mailuminati_endpoint};
  my $timeout = $conf->{mailuminati_timeout};
  my $token = $conf->{mailuminati_token};

  my $ua = LWP::UserAgent->new(
    agent                 => "Mailuminati-SA-Plugin/$VERSION",
    timeout               => $timeout,
    max_size              => MAX_ANSWER,
    keep_alive            => 0,
    max_redirect          => 0,
    requests_redirectable => [],
    protocols_allowed     => ['http', 'https'],
  );
  my $req = HTTP::Request->new(POST => $url);
  $req->header('Content-Type' => 'text/plain');
  $req->header('Authorization' => "Bearer $token")
    if defined $token && $token ne '';
  my $msg = $pms->get_message()->get_pristine();
  utf8::encode($msg) if utf8::is_utf8($msg);
  $req->content($msg);

  # LWP's timeout restarts with every byte; this bounds the whole request.
  my $resp;
  my $start = Time::HiRes::time();
  my $t = Mail::SpamAssassin::Timeout->new({ secs => $timeout });
  my $err = $t->run_and_catch(sub { $resp = $ua->request($req); });
  my $took = sprintf('%.3f', Time::HiRes::time() - $start);

  return _fail($pms, $r, $took, 'timeout',
               "no answer from $url within ${timeout}s")
    if $t->timed_out();
  if (defined $err || !$resp) {
    chomp(my $e = $err // 'no response');
    return _fail($pms, $r, $took, 'request', "request to $url failed: $e");
  }
  # LWP reports connection errors as its own 500 answers.
  if (($resp->header('Client-Warning') // '') eq 'Internal response') {
    my $e = $resp->status_line;
    return _fail($pms, $r, $took, 'connect', "request to $url failed: $e");
  }
  if ($resp->code != 200) {
    my $hint = $resp->code == 401 ? ' (check mailuminati_token)' : '';
    return _fail($pms, $r, $took, 'http_' . $resp->code,
                 "$url answered HTTP " . $resp->code . $hint);
  }
  if ($resp->header('Client-Aborted')) {
    return _fail($pms, $r, $took, 'too_large',
                 "answer from $url larger than " . MAX_ANSWER . ' bytes');
  }
  if (defined(my $died = $resp->header('X-Died'))) {
    return _fail($pms, $r, $took, 'request',
                 "answer from $url cut short: $died");
  }

  my $data = eval { JSON->new->utf8->decode($resp->content) };
  if (ref $data ne 'HASH') {
    return _fail($pms, $r, $took, 'bad_json',
                 "answer from $url is not a JSON object");
  }

  my $action = _clean($data->{action}) // '';
  my $prox = $data->{proximity_match};
  $prox = JSON::is_bool($prox) && $prox ? 1 : 0;
  if ($action eq 'spam' || $action eq 'reject') {
    $r->{spam} = 1;
  } elsif ($prox) {
    $r->{suspicious} = 1;
  }

  my $match = ref $data->{match} eq 'HASH' ? $data->{match} : {};
  my @tag = ('action=' . ($action eq '' ? 'none' : $action));
  my %f = (
    label      => _clean($data->{label}),
    source     => _clean($match->{source}),
    distance   => _clean($data->{distance} // $match->{distance}),
    request_id => _clean($data->{request_id} //
                         $resp->header('X-Request-Id')),
  );
  push(@tag, 'proximity=1') if $prox;
  for my $k (qw(label source distance request_id)) {
    push(@tag, "$k=$f{$k}") if defined $f{$k} && $f{$k} ne '';
  }
  $r->{summary} = join(' ', @tag);
  $pms->set_tag('MAILUMINATI', $r->{summary});
  dbg("mailuminati: $r->{summary} (${took}s)");
  return $r;
}

1;
