// Package pgembed runs a private PostgreSQL cluster from the PostgreSQL server
// binaries installed on the machine (initdb and postgres), for the application
// itself (Options.Fsync = true) and for tests (Fsync = false).
//
// Start initializes the data directory on first use (initdb -A trust -U postgres
// -E UTF8 --locale=C), then runs `postgres` as a child process that listens on
// a Unix socket only (empty listen_addresses), in a short private socket
// directory. Connect with Cluster.ConnString or Cluster.DSN.
//
// It is Linux-only and copes with the traps of the machines it runs on:
//
//   - Binaries are looked up on PATH, then in /usr/lib/postgresql/*/bin (the
//     highest version wins). Without them Start fails with ErrNoBinaries, whose
//     message says how to install them.
//   - initdb and postgres refuse to run as root: as root, both run as the
//     `postgres` system user and the data directory is owned by it.
//   - As root, a data directory below a directory the `postgres` user cannot
//     traverse (a checkout under /root, mode 0700) is kept instead under
//     /var/lib/rightsdesk/<base name>-<hash of the path>. Start logs that, and
//     Cluster.DataDir reports where the data actually is. No directory of the
//     user is ever chmod-ed.
//   - The socket directory is a short temporary directory, because a socket
//     path longer than 107 bytes does not work.
//   - No server outlives its owner: the postmaster is started with
//     Pdeathsig = SIGKILL from a goroutine locked to its OS thread for the
//     server's lifetime, so if the owning process dies, even by kill -9, the
//     kernel kills the server and its backends follow.
//   - A postmaster.pid left behind is handled on start: a server still running
//     on the same data directory is shut down first; a stale file is removed.
//   - The major version in PG_VERSION must match the binaries; otherwise Start
//     says which binaries to use.
//
// Cluster.Supervise (used by `rightsdesk serve`) restarts the server in place
// when it exits without Stop, with a bounded exponential back-off, and
// Cluster.Healthy fails after SuperviseOptions.MaxFailures failed attempts in
// a row. A server found running on the data directory that this process did
// not start (an operator's `pg_ctl restart`) is used, never stopped; with
// Options.Attach, Start attaches to any live server there, whatever its parent.
//
// The server log is DataDir()/postgres.log; when the server fails to start the
// error includes its last lines.
package pgembed
