// Package pglocal starts and stops a private PostgreSQL server from the
// machine's own server binaries.
//
// Why: Rollout keeps its data in PostgreSQL, but `go run ./cmd/rollout` must
// work on a machine where nobody has set a database up, and every test binary
// needs a database of its own. So when no DATABASE_URL is given, Rollout runs
// initdb and postgres itself: a persistent cluster in the data folder for
// `serve`, a throwaway one in a temporary folder for tests.
//
// How, and what it guards against:
//   - The server listens only on a unix socket in a folder of ours (mode 0700),
//     never on TCP, so "trust" authentication reaches nobody but us.
//   - initdb and postgres refuse to run as root: as root we run them as the
//     `postgres` user (else `nobody`) and hand them the folders they write.
//   - Pdeathsig kills the server if our process dies without calling Stop, so
//     no orphan outlives us; its own process group keeps a terminal's Ctrl-C
//     for us, and Stop shuts it down cleanly (fast shutdown, then SIGKILL).
//   - An existing cluster is never wiped or re-initialised: a version mismatch,
//     a foreign folder or a second server on the same folder is a clear error.
//   - The server's log goes to postgres.log beside the cluster, not to our stdout.
//   - With Options.Restart, a server that exits unexpectedly (killed, out of
//     memory) is started again with backoff; when that keeps failing, Failed
//     closes so the caller can exit and let its supervisor restart it all
//     (supervise.go).
//
// Linux only (Pdeathsig, Credential).
package pglocal

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/uptrace/bun/driver/pgdriver"
	"golang.org/x/sys/unix"
)

const (
	// superuser is the database role initdb creates; fixed, because a
	// persistent cluster keeps the name it was created with.
	superuser = "rollout"
	// port only names the socket file (.s.PGSQL.5432): the socket folder is
	// private, so the number never collides with another server.
	port = 5432
	// maxSocketPath keeps socket paths under the kernel's sun_path limit
	// (108 bytes with the final NUL; PostgreSQL checks against 107).
	maxSocketPath = 100
	// stopTimeout is how long a fast shutdown may take before SIGKILL.
	stopTimeout = 30 * time.Second
	// throwawayPrefix names the temporary folders of throwaway servers.
	throwawayPrefix = "rollout-pg-"
	// readyTimeout caps the wait for a server to accept connections when ctx
	// has no deadline of its own; crash recovery of a persistent cluster counts.
	readyTimeout = 2 * time.Minute
)

// Options says where and how to run the server.
type Options struct {
	// DataDir is the folder that holds the cluster (DataDir/pgdata), its log
	// (DataDir/postgres.log) and its socket folder (DataDir/run). Required when
	// Persistent; for a throwaway server it is the parent of the temporary
	// folder (default /dev/shm if it is a roomy tmpfs, else os.TempDir()).
	DataDir string
	// Persistent keeps the data across runs with fsync on. Otherwise the
	// cluster lives in a temporary folder with fsync off and is removed by Stop.
	Persistent bool
	// Logger receives a line when the server is created, started and stopped.
	Logger *slog.Logger
	// BinDir names the folder of initdb and postgres; empty finds it (BinDir()).
	BinDir string
	// Restart starts the server again when it exits without Stop (killed,
	// out of memory), with backoff; see Failed for when it gives up.
	Restart bool

	policy restartPolicy // tests shorten it; zero means defaultPolicy
}

// Server is a running PostgreSQL server that this process started.
type Server struct {
	log        *slog.Logger
	persistent bool
	base       string // DataDir, or the temporary folder of a throwaway server
	pgdata     string
	sockDir    string
	removeDirs []string // folders Stop removes (throwaway data, temporary socket folder)
	logPath    string
	logFile    *os.File
	logStart   int64 // size of postgres.log before this run, for error tails

	bin   string
	major string
	acct  *runAs

	mu  sync.Mutex
	cur *run // the postmaster started last; replaced by a restart

	restart   bool
	policy    restartPolicy
	quit      chan struct{} // closed by Stop: the supervisor ends
	superDone chan struct{} // closed when the supervisor has ended
	failed    chan struct{} // closed when the server is gone for good
	failErr   error

	stopOnce sync.Once
	stopErr  error
}

// run is one postmaster process.
type run struct {
	pid     int
	exited  chan struct{} // closed when the postmaster has exited and been reaped
	waitErr error         // cmd.Wait's result; read only after exited is closed
}

func (s *Server) current() *run {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

var errNoBinaries = errors.New("PostgreSQL server binaries not found: install the postgresql package or set DATABASE_URL")

// BinDir finds the folder that holds initdb and postgres: `pg_config --bindir`
// if it has them, else the newest /usr/lib/postgresql/*/bin.
func BinDir() (string, error) {
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if dir := strings.TrimSpace(string(out)); hasServer(dir) {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionKey(dirs[i]) > versionKey(dirs[j]) })
	for _, dir := range dirs {
		if hasServer(dir) {
			return dir, nil
		}
	}
	return "", errNoBinaries
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		if err != nil || fi.IsDir() || fi.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}

// versionKey orders /usr/lib/postgresql/<version>/bin by version number, so 17 sorts above 9.6.
func versionKey(dir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
	return v
}

var versionRE = regexp.MustCompile(`\(PostgreSQL\) (\d+)(?:\.(\d+))?`)

// majorVersion asks the postgres binary for its major version, as PG_VERSION spells it ("15", or "9.6").
func majorVersion(bin string) (string, error) {
	out, err := exec.Command(filepath.Join(bin, "postgres"), "--version").Output()
	if err != nil {
		return "", fmt.Errorf("cannot run %s --version: %w", filepath.Join(bin, "postgres"), err)
	}
	m := versionRE.FindStringSubmatch(string(out))
	if m == nil {
		return "", fmt.Errorf("cannot read the version of %s from %q", filepath.Join(bin, "postgres"), strings.TrimSpace(string(out)))
	}
	if n, _ := strconv.Atoi(m[1]); n < 10 && m[2] != "" {
		return m[1] + "." + m[2], nil
	}
	return m[1], nil
}

// runAs says which account runs initdb and postgres; nil means this process's own.
type runAs struct {
	name     string
	uid, gid int
}

func (r *runAs) credential() *syscall.Credential {
	if r == nil {
		return nil
	}
	return &syscall.Credential{Uid: uint32(r.uid), Gid: uint32(r.gid)}
}

// chown hands a folder or file to the server account (no-op when we are it).
func (r *runAs) chown(path string) error {
	if r == nil {
		return nil
	}
	if err := os.Chown(path, r.uid, r.gid); err != nil {
		return fmt.Errorf("cannot hand %s to the %s user: %w", path, r.name, err)
	}
	return nil
}

// serverAccount picks the account for a new cluster: ourselves, or as root
// (which initdb refuses) the postgres user, else nobody.
func serverAccount() (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	for _, name := range []string{"postgres", "nobody"} {
		u, err := user.Lookup(name)
		if err != nil {
			continue
		}
		uid, err1 := strconv.Atoi(u.Uid)
		gid, err2 := strconv.Atoi(u.Gid)
		if err1 != nil || err2 != nil || uid == 0 {
			continue
		}
		return &runAs{name: name, uid: uid, gid: gid}, nil
	}
	return nil, errors.New("PostgreSQL refuses to run as root and neither a postgres nor a nobody user exists: create a postgres user or run Rollout as an ordinary user")
}

// ownerAccount is the account that must run an existing cluster: its owner.
func ownerAccount(pgdata string, fi os.FileInfo) (*runAs, error) {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return nil, nil
	}
	uid, gid := int(st.Uid), int(st.Gid)
	if os.Geteuid() != 0 {
		if uid != os.Geteuid() {
			return nil, fmt.Errorf("the database folder %s belongs to user %s: run Rollout as that user (or as root)", pgdata, userName(uid))
		}
		return nil, nil
	}
	if uid == 0 {
		return nil, fmt.Errorf("the database folder %s belongs to root, and PostgreSQL refuses to run as root: chown it to the postgres user", pgdata)
	}
	return &runAs{name: userName(uid), uid: uid, gid: gid}, nil
}

func userName(uid int) string {
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil {
		return u.Username
	}
	return "uid " + strconv.Itoa(uid)
}

// checkReachable makes sure the server account can walk down to dir: a data
// folder below /root, for example, is closed to the postgres user.
func checkReachable(r *runAs, dir string) error {
	if r == nil {
		return nil
	}
	path := "/"
	for _, part := range strings.Split(strings.Trim(dir, "/"), "/") {
		path = filepath.Join(path, part)
		fi, err := os.Stat(path)
		if err != nil {
			return err
		}
		st, ok := fi.Sys().(*syscall.Stat_t)
		if !ok {
			return nil
		}
		mode := fi.Mode().Perm()
		var canEnter bool
		switch {
		case int(st.Uid) == r.uid:
			canEnter = mode&0o100 != 0
		case int(st.Gid) == r.gid:
			canEnter = mode&0o010 != 0
		default:
			canEnter = mode&0o001 != 0
		}
		if !canEnter {
			return fmt.Errorf("the PostgreSQL server runs as the %s user, which cannot enter %s (mode %v): choose a data folder outside it or allow it with `chmod o+x %s`", r.name, path, mode, path)
		}
	}
	return nil
}

// Start creates the cluster if needed, starts the server and waits until it
// accepts connections. The caller must Stop it.
func Start(ctx context.Context, opt Options) (*Server, error) {
	started := time.Now()
	var err error
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	bin := opt.BinDir
	if bin == "" {
		if bin, err = BinDir(); err != nil {
			return nil, err
		}
	} else if !hasServer(bin) {
		return nil, fmt.Errorf("PostgreSQL server binaries not found in %s: point ROLLOUT_PG_BIN at the folder that holds initdb and postgres, or set DATABASE_URL", bin)
	}
	major, err := majorVersion(bin)
	if err != nil {
		return nil, err
	}
	s := &Server{log: log, persistent: opt.Persistent, bin: bin, major: major, restart: opt.Restart, policy: opt.policy.orDefault(),
		quit: make(chan struct{}), superDone: make(chan struct{}), failed: make(chan struct{})}
	ok := false
	defer func() {
		if !ok {
			s.cleanup()
		}
	}()

	var acct *runAs
	var needInit bool
	if opt.Persistent {
		acct, needInit, err = s.preparePersistent(opt.DataDir, major)
	} else {
		acct, err = s.prepareThrowaway(opt.DataDir)
		needInit = true
	}
	if err != nil {
		return nil, err
	}

	if needInit {
		t0 := time.Now()
		if err := s.initdb(ctx, bin, acct); err != nil {
			return nil, err
		}
		log.Info("created a PostgreSQL cluster", "dir", s.pgdata, "version", major, "took", time.Since(t0).Round(time.Millisecond))
	}
	s.acct = acct
	if err := s.start(ctx); err != nil {
		close(s.superDone) // no supervisor
		return nil, err
	}
	go s.supervise()
	ok = true
	log.Info("started PostgreSQL", "dir", s.pgdata, "socket", s.socketPath(), "version", major, "took", time.Since(started).Round(time.Millisecond))
	return s, nil
}

// preparePersistent readies DataDir and checks an existing cluster without touching it.
func (s *Server) preparePersistent(dataDir, major string) (acct *runAs, needInit bool, err error) {
	if dataDir == "" {
		return nil, false, errors.New("pglocal: a persistent server needs a data folder")
	}
	base, err := filepath.Abs(dataDir)
	if err != nil {
		return nil, false, err
	}
	s.base, s.pgdata = base, filepath.Join(base, "pgdata")
	if err := os.MkdirAll(base, 0o755); err != nil {
		return nil, false, fmt.Errorf("cannot create the data folder %s: %w", base, err)
	}
	if err := s.openLog(); err != nil {
		return nil, false, err
	}

	fi, err := os.Stat(s.pgdata)
	switch {
	case errors.Is(err, os.ErrNotExist):
		needInit = true
		if acct, err = serverAccount(); err != nil {
			return nil, false, err
		}
	case err != nil:
		return nil, false, fmt.Errorf("cannot read the database folder %s: %w", s.pgdata, unwrapPath(err))
	case !fi.IsDir():
		return nil, false, fmt.Errorf("%s is not a folder: move it out of the data folder", s.pgdata)
	default:
		if err := checkCluster(s.pgdata, major); err != nil {
			return nil, false, err
		}
		if acct, err = ownerAccount(s.pgdata, fi); err != nil {
			return nil, false, err
		}
	}
	if err := checkReachable(acct, base); err != nil {
		return nil, false, err
	}

	sock := filepath.Join(base, "run")
	if len(sock)+len("/.s.PGSQL.5432") <= maxSocketPath {
		if err := os.MkdirAll(sock, 0o700); err != nil {
			return nil, false, fmt.Errorf("cannot create the socket folder %s: %w", sock, unwrapPath(err))
		}
		s.sockDir = sock
	} else if s.sockDir, err = shortTempDir(); err != nil {
		return nil, false, err
	} else {
		s.removeDirs = append(s.removeDirs, s.sockDir)
	}
	// The socket folder's mode is the access control: "trust" lets in whoever reaches the socket.
	if err := os.Chmod(s.sockDir, 0o700); err != nil {
		return nil, false, err
	}
	if err := acct.chown(s.sockDir); err != nil {
		return nil, false, err
	}
	return acct, needInit, nil
}

// checkCluster refuses a folder that is not a cluster of our major version or
// that a live server is using; it reads, never writes.
func checkCluster(pgdata, major string) error {
	b, err := os.ReadFile(filepath.Join(pgdata, "PG_VERSION"))
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s exists but is not a PostgreSQL database folder (it has no PG_VERSION); Rollout will not overwrite it: move it away or choose another data folder", pgdata)
	}
	if err != nil {
		return fmt.Errorf("cannot read the database folder %s: %w", pgdata, unwrapPath(err))
	}
	if have := strings.TrimSpace(string(b)); have != major {
		return fmt.Errorf("the database in %s was created by PostgreSQL %s, but the installed server is PostgreSQL %s: install PostgreSQL %s, or upgrade the folder with pg_upgrade", pgdata, have, major, have)
	}
	pid, shmID := readPostmasterPid(pgdata)
	if pid > 0 && postmasterAlive(pid) {
		return fmt.Errorf("a PostgreSQL server (pid %d) is already running on %s; stop the other Rollout first", pid, pgdata)
	}
	if pid > 0 {
		waitForOrphans(pid, shmID, 10*time.Second)
	}
	return nil
}

// readPostmasterPid reads the postmaster's pid and shared memory id from
// postmaster.pid; 0, -1 when there is no such file.
func readPostmasterPid(pgdata string) (pid, shmID int) {
	b, err := os.ReadFile(filepath.Join(pgdata, "postmaster.pid"))
	if err != nil {
		return 0, -1
	}
	lines := strings.Split(string(b), "\n")
	pid, _ = strconv.Atoi(strings.TrimSpace(lines[0]))
	shmID = -1
	if len(lines) > 6 { // line 7: "<key> <id>"
		if f := strings.Fields(lines[6]); len(f) == 2 {
			if id, err := strconv.Atoi(f[1]); err == nil {
				shmID = id
			}
		}
	}
	return pid, shmID
}

// postmasterAlive tells a live server from a stale postmaster.pid (whose pid
// postgres itself replaces). A pid can be reused after a crash or a reboot,
// so only a live postgres process counts.
func postmasterAlive(pid int) bool {
	if pid <= 0 || pid == os.Getpid() {
		return false
	}
	if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
		return false
	}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid)) // "pid (comm) state …"
	if err != nil {
		return true // no /proc: trust kill
	}
	open, end := bytes.IndexByte(stat, '('), bytes.LastIndexByte(stat, ')')
	if open < 0 || end < open || len(stat) < end+3 {
		return true
	}
	comm, state := string(stat[open+1:end]), stat[end+2]
	// A zombie (Z) is dead, only not yet reaped by its new parent.
	return (comm == "postgres" || comm == "postmaster") && state != 'Z' && state != 'X'
}

// waitForOrphans waits until no backend of a dead postmaster is attached to
// its shared memory any more. Backends notice the postmaster's death and exit
// within moments, but a start in that moment fails with "pre-existing shared
// memory block is still in use". (Each backend runs in a session of its own,
// so killing the postmaster's process group does not reach them.)
func waitForOrphans(pid, shmID int, limit time.Duration) {
	if shmID < 0 {
		return
	}
	deadline := time.Now().Add(limit)
	for time.Now().Before(deadline) {
		var desc unix.SysvShmDesc
		if _, err := unix.SysvShmCtl(shmID, unix.IPC_STAT, &desc); err != nil {
			return // gone, or not ours to look at: postgres decides
		}
		if int(desc.Cpid) != pid || desc.Nattch == 0 {
			return // another server's segment (ids are reused), or free
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// prepareThrowaway makes a temporary folder for a cluster that Stop removes.
func (s *Server) prepareThrowaway(parent string) (*runAs, error) {
	acct, err := serverAccount()
	if err != nil {
		return nil, err
	}
	if parent == "" {
		parent = throwawayParent()
		sweepThrowaways(parent)
	} else {
		if err := os.MkdirAll(parent, 0o755); err != nil {
			return nil, fmt.Errorf("cannot create the data folder %s: %w", parent, err)
		}
	}
	base, err := os.MkdirTemp(parent, throwawayPrefix)
	if err != nil {
		return nil, fmt.Errorf("cannot create a temporary database folder: %w", err)
	}
	s.base, s.pgdata = base, filepath.Join(base, "pgdata")
	s.removeDirs = append(s.removeDirs, base)
	if err := checkReachable(acct, filepath.Dir(base)); err != nil {
		return nil, err
	}
	if err := acct.chown(base); err != nil {
		return nil, err
	}
	if err := s.openLog(); err != nil {
		return nil, err
	}
	if len(base)+len("/.s.PGSQL.5432") <= maxSocketPath {
		s.sockDir = base
	} else {
		if s.sockDir, err = shortTempDir(); err != nil {
			return nil, err
		}
		s.removeDirs = append(s.removeDirs, s.sockDir)
		if err := acct.chown(s.sockDir); err != nil {
			return nil, err
		}
	}
	return acct, nil
}

// sweepThrowaways removes the folders of throwaway servers whose process died
// without Stop (a test binary killed by a timeout, say): Pdeathsig ends the
// server, but its folder would stay, in memory when it is under /dev/shm.
func sweepThrowaways(parent string) {
	dirs, _ := filepath.Glob(filepath.Join(parent, throwawayPrefix+"*"))
	for _, dir := range dirs {
		pgdata := filepath.Join(dir, "pgdata")
		if _, err := os.Stat(filepath.Join(dir, "postgres.log")); err != nil {
			continue // not one of ours
		}
		pid, _ := readPostmasterPid(pgdata)
		if pid > 0 && postmasterAlive(pid) {
			continue
		}
		if pid == 0 { // never started, or still in initdb: only if long abandoned
			fi, err := os.Stat(dir)
			if err != nil || time.Since(fi.ModTime()) < 10*time.Minute {
				continue
			}
		}
		_ = os.RemoveAll(dir)
	}
}

// throwawayParent picks where throwaway clusters live: /dev/shm when it is a
// roomy tmpfs, else os.TempDir(). PostgreSQL creates a few hundred files per
// database, and on the disks measured here each file creation costs ~0.3 ms:
// in memory initdb takes half the time and CREATE DATABASE … TEMPLATE drops
// from ~250 ms to ~15 ms. A small /dev/shm (Docker's default is 64 MB) would
// fill up, hence the free-space floor.
func throwawayParent() string {
	const tmpfsMagic = 0x01021994
	var st syscall.Statfs_t
	if err := syscall.Statfs("/dev/shm", &st); err == nil && st.Type == tmpfsMagic &&
		st.Bavail*uint64(st.Bsize) >= 1<<30 && syscall.Access("/dev/shm", 0o2|0o1) == nil {
		return "/dev/shm"
	}
	return os.TempDir()
}

// shortTempDir makes a socket folder whose path fits in sun_path.
func shortTempDir() (string, error) {
	parent := os.TempDir()
	if len(parent) > 60 {
		parent = "/tmp"
	}
	dir, err := os.MkdirTemp(parent, "rollout-sock-")
	if err != nil {
		return "", fmt.Errorf("cannot create a socket folder: %w", err)
	}
	return dir, nil
}

func (s *Server) openLog() error {
	s.logPath = filepath.Join(s.base, "postgres.log")
	f, err := os.OpenFile(s.logPath, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("the data folder %s is not writable: %w", s.base, unwrapPath(err))
	}
	if fi, err := f.Stat(); err == nil {
		s.logStart = fi.Size()
	}
	s.logFile = f
	return nil
}

// initdb creates the cluster next to its final place and renames it in, so an
// interrupted initdb never leaves a half-made cluster where Start would trust it.
func (s *Server) initdb(ctx context.Context, bin string, acct *runAs) error {
	tmp := s.pgdata + ".initdb"
	// Only ever an interrupted initdb of ours: never a cluster that was in use.
	if err := os.RemoveAll(tmp); err != nil {
		return err
	}
	if err := os.Mkdir(tmp, 0o700); err != nil {
		return fmt.Errorf("the data folder %s is not writable: %w", s.base, unwrapPath(err))
	}
	if err := acct.chown(tmp); err != nil {
		return err
	}
	args := []string{"-D", tmp, "-E", "UTF8", "--locale=C.UTF-8", "-U", superuser, "--auth=trust"}
	if !s.persistent {
		args = append(args, "--no-sync")
	}
	cmd := exec.CommandContext(ctx, filepath.Join(bin, "initdb"), args...)
	cmd.Dir = tmp
	cmd.Env = serverEnv()
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: acct.credential(), Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	done, err := startLocked(cmd)
	if err == nil {
		err = <-done
	}
	if err != nil {
		_ = os.RemoveAll(tmp)
		return fmt.Errorf("initdb failed (%v):\n%s", err, tail(out.Bytes(), 20))
	}
	if err := os.Rename(tmp, s.pgdata); err != nil {
		return err
	}
	return nil
}

// serverEnv is our environment without PG* variables (PGPORT, PGDATA… would
// override what we pass) and with the one UTF-8 locale every Linux has.
func serverEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "PG") || strings.HasPrefix(kv, "LC_") || strings.HasPrefix(kv, "LANG=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "LC_ALL=C.UTF-8")
}

func (s *Server) start(ctx context.Context) error {
	bin, acct := s.bin, s.acct
	args := []string{
		"-D", s.pgdata,
		"-p", strconv.Itoa(port),
		"-c", "listen_addresses=",
		"-c", "unix_socket_directories=" + quoteGUCList(s.sockDir),
		"-c", "unix_socket_permissions=0700",
		"-c", "logging_collector=off",
	}
	if n, _ := strconv.Atoi(s.major); n >= 14 {
		// Crash recovery first flushes the whole cluster to disk. File by
		// file (the default) that took 5 s and more for a small cluster on a
		// busy disk, all of it with Rollout unable to answer; one syncfs()
		// per file system is the same guarantee at a fraction of the cost.
		args = append(args, "-c", "recovery_init_sync_method=syncfs")
	}
	if !s.persistent {
		// Throwaway clusters trade crash safety for speed; a persistent one never does.
		args = append(args,
			"-c", "fsync=off",
			"-c", "synchronous_commit=off",
			"-c", "full_page_writes=off",
			"-c", "max_connections=200",
			// Shared memory for parallel queries in files inside the cluster,
			// so a killed server leaves none behind in /dev/shm.
			"-c", "dynamic_shared_memory_type=mmap",
		)
	}
	cmd := exec.Command(filepath.Join(bin, "postgres"), args...)
	cmd.Dir = s.pgdata
	cmd.Env = serverEnv()
	cmd.Stdout, cmd.Stderr = s.logFile, s.logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Credential: acct.credential(),
		Setpgid:    true,            // Ctrl-C reaches us, and we stop the server cleanly
		Pdeathsig:  syscall.SIGKILL, // if we die without Stop, so does the server
	}

	done, err := startLocked(cmd)
	if err != nil {
		return fmt.Errorf("cannot start postgres: %w", err)
	}
	r := &run{pid: cmd.Process.Pid, exited: make(chan struct{})}
	go func() {
		r.waitErr = <-done
		close(r.exited)
	}()
	s.mu.Lock()
	s.cur = r
	s.mu.Unlock()
	return s.waitReady(ctx, r)
}

// startLocked starts cmd and returns a channel that receives cmd.Wait's result.
//
// Pdeathsig fires when the OS thread that forked the child ends, not when the
// process does, and Go ends a thread whenever a goroutine locked to it exits.
// So the child is started from a goroutine locked to its thread, which stays
// (blocked in Wait) until the child is gone: no other goroutine can own that
// thread and end it under the child.
func startLocked(cmd *exec.Cmd) (<-chan error, error) {
	started := make(chan error, 1)
	done := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread() // the child is gone: the thread may serve others
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		done <- cmd.Wait()
	}()
	if err := <-started; err != nil {
		return nil, err
	}
	return done, nil
}

// waitReady connects until the server answers, it exits, or time runs out.
func (s *Server) waitReady(ctx context.Context, r *run) error {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyTimeout)
		defer cancel()
	}
	db := sql.OpenDB(pgdriver.NewConnector(pgdriver.WithDSN(s.DSN("postgres")), pgdriver.WithDialTimeout(time.Second)))
	defer db.Close()
	var lastErr error
	for {
		pingCtx, cancel := context.WithTimeout(ctx, 2*time.Second)
		lastErr = db.PingContext(pingCtx)
		cancel()
		if lastErr == nil {
			return nil
		}
		select {
		case <-r.exited:
			return fmt.Errorf("postgres exited while starting (%s); the end of %s:\n%s", exitReason(r.waitErr), s.logPath, s.logTail())
		case <-ctx.Done():
			return fmt.Errorf("postgres did not accept connections in time (%v); the end of %s:\n%s", lastErr, s.logPath, s.logTail())
		case <-time.After(15 * time.Millisecond):
		}
	}
}

// Stop shuts the server down (fast shutdown: open transactions are rolled
// back), kills it if it takes longer than 30 s, and removes a throwaway
// cluster. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		t0 := time.Now()
		if s.quit != nil {
			close(s.quit)
			<-s.superDone // no restart can begin after this
		}
		s.stopErr = s.shutdown()
		s.cleanup()
		if s.stopErr == nil {
			s.log.Info("stopped PostgreSQL", "dir", s.pgdata, "took", time.Since(t0).Round(time.Millisecond))
		}
	})
	return s.stopErr
}

func (s *Server) shutdown() error {
	r := s.current()
	if r == nil {
		return nil
	}
	select {
	case <-r.exited:
		return nil
	default:
	}
	if err := syscall.Kill(r.pid, syscall.SIGINT); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("cannot stop postgres (pid %d): %w", r.pid, err)
	}
	select {
	case <-r.exited:
		return nil
	case <-time.After(stopTimeout):
	}
	// The whole process group: the postmaster and every backend it forked.
	_ = syscall.Kill(-r.pid, syscall.SIGKILL)
	<-r.exited
	return fmt.Errorf("postgres (pid %d) did not shut down within %v and was killed", r.pid, stopTimeout)
}

// cleanup closes the log and removes the folders of a throwaway server.
func (s *Server) cleanup() {
	if r := s.current(); r != nil {
		select {
		case <-r.exited:
		default:
			_ = syscall.Kill(-r.pid, syscall.SIGKILL)
			<-r.exited
		}
	}
	if s.logFile != nil {
		_ = s.logFile.Close()
	}
	for _, dir := range s.removeDirs {
		_ = os.RemoveAll(dir)
	}
}

// DSN is a pgdriver connection string for database dbname as the superuser,
// through the socket file (pgdriver wants the file, not its folder).
func (s *Server) DSN(dbname string) string {
	u := url.URL{
		Scheme:   "postgres",
		User:     url.User(superuser),
		Path:     "/" + dbname,
		RawQuery: "host=" + strings.ReplaceAll(url.QueryEscape(s.socketPath()), "%2F", "/") + "&sslmode=disable",
	}
	return u.String()
}

// Superuser is the name of the database role that owns the cluster.
func (s *Server) Superuser() string { return superuser }

// DataDir is the cluster's own folder (the one holding PG_VERSION).
func (s *Server) DataDir() string { return s.pgdata }

// LogPath is the server's log file.
func (s *Server) LogPath() string { return s.logPath }

// PID is the process id of the postmaster running now (a restart changes it).
func (s *Server) PID() int { return s.current().pid }

func (s *Server) socketPath() string {
	return filepath.Join(s.sockDir, ".s.PGSQL."+strconv.Itoa(port))
}

// logTail returns the last lines the server wrote in this run.
func (s *Server) logTail() string {
	f, err := os.Open(s.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	defer f.Close()
	if _, err := f.Seek(s.logStart, io.SeekStart); err != nil {
		return "(no log: " + err.Error() + ")"
	}
	b, _ := io.ReadAll(io.LimitReader(f, 1<<20))
	return tail(b, 20)
}

func tail(b []byte, n int) string {
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// quoteGUCList quotes a folder for a comma-separated setting such as unix_socket_directories.
func quoteGUCList(dir string) string {
	if strings.ContainsAny(dir, ", \t\"") {
		return `"` + strings.ReplaceAll(dir, `"`, `""`) + `"`
	}
	return dir
}

// unwrapPath drops the *PathError's own path and operation, which the
// messages above already name, and keeps the reason ("permission denied").
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
