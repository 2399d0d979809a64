from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import uuid
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import ingest

GOOD = Path(__file__).parent / "data" / "good"
TODAY = date(2026, 11, 26)


@pytest.fixture(autouse=True)
def no_shared_models(tmp_path_factory, monkeypatch) -> None:
    """Tests never read or write the developer's models/artifacts or config/talent.toml."""
    monkeypatch.setenv("TALENT_MODELS", str(tmp_path_factory.mktemp("models")))
    config = tmp_path_factory.mktemp("config") / "talent.toml"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "config" / "talent.toml", config)
    monkeypatch.setenv("TALENT_CONFIG", str(config))


@pytest.fixture
def good_dir(tmp_path: Path) -> Path:
    target = tmp_path / "good"
    shutil.copytree(GOOD, target)
    return target


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "talent.duckdb"


@pytest.fixture(scope="session")
def _loaded_template(tmp_path_factory) -> Path:
    # One real import of the good files per test process; each test gets its own copy of the file.
    target = tmp_path_factory.mktemp("loaded") / "talent.duckdb"
    ingest([GOOD], target, today=TODAY)
    return target


@pytest.fixture
def loaded_db(_loaded_template: Path, good_dir: Path, db_path: Path) -> Path:
    shutil.copyfile(_loaded_template, db_path)
    return db_path


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.sql(sql, params=params).fetchall()
    finally:
        con.close()


def table_counts(db: Path) -> dict[str, int]:
    if not db.exists():
        return {}
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.sql("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {n: con.sql(f'SELECT count(*) FROM "{n}"').fetchall()[0][0] for n in names}
    finally:
        con.close()


@pytest.fixture(scope="session")
def demo_db(tmp_path_factory) -> Path:
    """The page tests' demo (800 employees), imported once per test process. A module that imports this name from
    another test module instead gets a second fixture, built a second time: take it from here."""
    return build_demo_db(tmp_path_factory.mktemp("demo"), employees=800, seed=11)


# The smallest generated demo the model can learn from: its training snapshots hold 31 promotions into management,
# over the 20 of min_positive_labels in config/talent.toml (1,000 employees hold 15; the app's demo has 6,000).
MODEL_DEMO_EMPLOYEES, MODEL_DEMO_SEED = 2000, 21


@pytest.fixture(scope="session")
def model_demo_files(tmp_path_factory) -> Path:
    """The model demo's files, generated once per test process (tests in xdist group "model" share them)."""
    from pipelines.demo import generate_demo

    folder = tmp_path_factory.mktemp("model_demo") / "files"
    generate_demo(folder, employees=MODEL_DEMO_EMPLOYEES, seed=MODEL_DEMO_SEED)
    return folder


@pytest.fixture(scope="session")
def model_demo_template(model_demo_files: Path) -> Path:
    """The model demo imported as the first start does; never written: copy it (training writes scores)."""
    db = model_demo_files.parent / "talent.duckdb"
    ingest([model_demo_files], db, today=TODAY, run_by="demo")
    return db


def _shared_build_dir() -> Path:
    """A folder every test process of this run shares (pytest-xdist workers have one run id), for builds made once."""
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID") or f"pid{os.getpid()}"
    return Path(tempfile.gettempdir()) / f"talent-tests-{run}"


def build_demo_db(folder: Path, employees: int, seed: int) -> Path:
    """A real database of a generated demo organisation, imported as the first start does. Built once per test run
    and configuration (the first worker to need it builds it under a lock; the others copy the files)."""
    from filelock import FileLock

    from pipelines.demo import generate_demo
    from pipelines.settings import config_path

    config = hashlib.sha256(config_path().read_bytes()).hexdigest()[:12]
    built = _shared_build_dir() / f"demo-{employees}-{seed}-{config}"
    built.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(built) + ".lock"):
        if not (built / "talent.duckdb").exists():
            generate_demo(built / "files", employees=employees, seed=seed)
            ingest([built / "files"], built / "building.duckdb", today=TODAY, run_by="demo")
            os.replace(built / "building.duckdb", built / "talent.duckdb")
    shutil.copytree(built / "files", folder / "files", dirs_exist_ok=True)
    db = folder / "talent.duckdb"
    shutil.copyfile(built / "talent.duckdb", db)
    return db


def small_org(tmp_path: Path, monkeypatch, files: dict[str, str], users=()) -> Path:
    """A hand-written organisation (file name -> CSV text) imported into a real database, with the
    environment pointed at it and its workspace, and the given auth.User accounts created."""
    from services import auth
    folder = tmp_path / "files"
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text, encoding="utf-8")
    db = tmp_path / "talent.duckdb"
    ingest([folder], db, today=TODAY)
    monkeypatch.setenv("TALENT_DB", str(db))
    monkeypatch.setenv("TALENT_WORKSPACE", str(tmp_path / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    for user in users:
        auth.create_user(user.username, user.role, "a-long-password", user.departments)
    return db


@pytest.fixture
def fresh_streamlit_caches():
    """AppTest keeps Streamlit's caches between tests: start and end each page test with none."""
    import streamlit as st

    st.cache_data.clear()
    st.cache_resource.clear()
    yield
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture
def download_clicks(monkeypatch):
    """Click a download button of an AppTest page: returns click(at, label) -> the file's bytes.

    A page's download button carries no file, only a callable that Streamlit registers with its media file
    manager and runs when the browser asks for the file; AppTest has no click for it, so this records each
    registered callable and runs the one behind the button, as Streamlit's server does on a real click."""
    from streamlit.runtime.media_file_manager import MediaFileManager

    registered: dict[str, object] = {}
    add_deferred = MediaFileManager.add_deferred

    def recording(self, data_callable, *args, **kwargs) -> str:
        file_id = add_deferred(self, data_callable, *args, **kwargs)
        registered[file_id] = data_callable
        return file_id

    monkeypatch.setattr(MediaFileManager, "add_deferred", recording)

    def click(at, label: str, key: str | None = None) -> bytes:
        buttons = [b for b in at.get("download_button") if b.proto.label == label and (key is None or b.proto.id.endswith(f"-{key}"))]
        assert len(buttons) == 1, (label, [b.proto.label for b in at.get("download_button")])
        content = registered[buttons[0].proto.deferred_file_id]()
        return content.encode("utf-8") if isinstance(content, str) else content

    return click


# The page tests' accounts, one per role (tests/test_app.py's `env`, shared by the modules that import it).
PASSWORD = "correct horse battery"
ACCOUNTS = {"hr": ("hr_admin", ()), "leader": ("hr_leadership", ()), "head": ("department_head", ("Sales",)), "viewer": ("viewer", ())}
APP_FILES = ("talent.duckdb", "workspace.duckdb", "workspace.duckdb.wal")


def use_app_files(folder: Path, monkeypatch) -> Path:
    """Point the app at the analysis database and workspace in `folder`, as each page or service test runs it."""
    monkeypatch.setenv("TALENT_DB", str(folder / "talent.duckdb"))
    monkeypatch.setenv("TALENT_WORKSPACE", str(folder / "workspace.duckdb"))
    monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
    monkeypatch.setenv("TALENT_ADMIN_PASSWORD", "first-admin-password")
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    return folder / "talent.duckdb"


def copy_app_files(source: Path, target: Path) -> None:
    """Copy a built app folder (its analysis database and workspace) so a test writes to its own files."""
    target.mkdir(parents=True, exist_ok=True)
    for name in APP_FILES:
        if (source / name).exists():
            shutil.copyfile(source / name, target / name)


@pytest.fixture(scope="session")
def demo_with_accounts(demo_db: Path, tmp_path_factory) -> Path:
    """A folder with a copy of demo_db and a workspace holding the ACCOUNTS, built once per test process: never
    written, copy it (copy_app_files)."""
    from services import auth

    folder = tmp_path_factory.mktemp("accounts")
    shutil.copyfile(demo_db, folder / "talent.duckdb")
    config = tmp_path_factory.mktemp("accounts_config") / "talent.toml"
    shutil.copyfile(Path(__file__).resolve().parents[1] / "config" / "talent.toml", config)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("TALENT_CONFIG", str(config))
        monkeypatch.setenv("TALENT_DB", str(folder / "talent.duckdb"))
        monkeypatch.setenv("TALENT_WORKSPACE", str(folder / "workspace.duckdb"))
        monkeypatch.setenv("TALENT_BCRYPT_ROUNDS", "4")
        for name, (role, departments) in ACCOUNTS.items():
            auth.create_user(name, role, PASSWORD, departments)
    return folder



@pytest.fixture(scope="session")
def seeded_demo(demo_with_accounts: Path, tmp_path_factory) -> Path:
    """demo_with_accounts plus the demo's pool, plans and past review cycles (services.demo.seed_demo_reviews), as on
    first start. Seeded once per test run (the first worker to need it, under a lock; the others copy the files): never
    written, copy it (copy_app_files)."""
    from filelock import FileLock

    from services.demo import seed_demo_calibration, seed_demo_reviews, seed_demo_succession

    built = _shared_build_dir() / "seeded-demo"
    built.parent.mkdir(parents=True, exist_ok=True)
    with FileLock(str(built) + ".lock"):
        if not (built / "talent.duckdb").exists():
            building = built.with_name("seeded-demo-building")
            shutil.rmtree(building, ignore_errors=True)
            copy_app_files(demo_with_accounts, building)
            with pytest.MonkeyPatch.context() as monkeypatch:
                config = building / "talent.toml"
                shutil.copyfile(Path(__file__).resolve().parents[1] / "config" / "talent.toml", config)
                monkeypatch.setenv("TALENT_CONFIG", str(config))
                db = use_app_files(building, monkeypatch)
                seed_demo_reviews(db)
                seed_demo_calibration(db)  # #16: a locked and an open calibration session, key seats and successors
                seed_demo_succession(db)
            os.replace(building, built)
    folder = tmp_path_factory.mktemp("seeded")
    copy_app_files(built, folder)
    return folder

# The workers (pytest.ini: --dist loadfile --no-loadscope-reorder) take whole files in this order, so the longest
# files start first and both workers finish together; files not listed follow in their usual order.
LONGEST_FIRST = ("test_browser.py", "test_app.py", "test_bad_input.py", "test_doors.py", "test_ux_session.py", "test_write_path.py",
                 "test_security.py", "test_export.py", "test_trends.py", "test_access.py", "test_reviews_page.py", "test_model_inputs.py",
                 "test_real_exports.py", "test_reviews.py", "test_model.py")


def pytest_collection_modifyitems(session, config, items) -> None:
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


def pytest_configure(config) -> None:
    # The controller names the run, so its workers share one folder of builds (_shared_build_dir) that it removes at the end.
    if not hasattr(config, "workerinput") and hasattr(config.option, "testrunuid") and not config.option.testrunuid:
        config.option.testrunuid = uuid.uuid4().hex
    if not hasattr(config, "workerinput"):
        os.environ["PYTEST_XDIST_TESTRUNUID"] = getattr(config.option, "testrunuid", None) or f"pid{os.getpid()}"


def pytest_unconfigure(config) -> None:
    if not hasattr(config, "workerinput"):
        shutil.rmtree(_shared_build_dir(), ignore_errors=True)


# --- PostgreSQL: the workspace's second store (issue #17) ----------------------------------------------------
# .ci/run starts a throwaway cluster and sets TALENT_TEST_POSTGRES to its server URL; without it a cluster of this
# test process's own is started when Debian's postgresql is installed. In CI a missing server fails the tests that
# need one; elsewhere they are skipped with the reason. TALENT_WORKSPACE_URL never leaks in from the environment.
os.environ.pop("TALENT_WORKSPACE_URL", None)
PG_BIN = Path("/usr/lib/postgresql")


def _own_cluster(folder: Path) -> str:
    """initdb + pg_ctl start on a socket in `folder` (as the postgres user when run as root); stopped at exit."""
    import atexit

    binaries = sorted(PG_BIN.glob("*/bin/pg_ctl"))
    if not binaries:
        raise FileNotFoundError("Debian's postgresql is not installed (no /usr/lib/postgresql/*/bin/pg_ctl)")
    bin_dir = binaries[-1].parent
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    folder.mkdir(parents=True, exist_ok=True)
    if as_postgres:
        shutil.chown(folder, "postgres")
    data, port = folder / "data", str(20000 + os.getpid() % 20000)
    subprocess.run([*as_postgres, str(bin_dir / "initdb"), "-D", str(data), "--auth=trust", "-U", "postgres", "-E", "UTF8"],
                   check=True, capture_output=True)
    subprocess.run([*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
                    f"-k {folder} -p {port} -c listen_addresses='' -c fsync=off -c full_page_writes=off", "start"],
                   check=True, capture_output=True)
    atexit.register(subprocess.run, [*as_postgres, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
                    capture_output=True)
    return f"postgresql://postgres@/postgres?host={folder}&port={port}"


@pytest.fixture(scope="session")
def postgres_server(tmp_path_factory) -> str:
    """The URL of a PostgreSQL server's maintenance database, for tests that make databases of their own."""
    url = os.environ.get("TALENT_TEST_POSTGRES")
    if not url:
        try:
            url = _own_cluster(Path(tempfile.mkdtemp(prefix="talent-pg-")))
        except (FileNotFoundError, OSError, subprocess.CalledProcessError) as exc:
            if os.environ.get("CI"):
                pytest.fail(f"no PostgreSQL server for the workspace tests: {exc}")
            pytest.skip(f"no PostgreSQL server (set TALENT_TEST_POSTGRES or install Debian's postgresql): {exc}")
    return url


def postgres_database(server: str, name: str, template: str | None = None) -> str:
    """A new database on the server (a copy of `template`'s, as copy_app_files copies files); returns its URL."""
    import psycopg
    from services import workspace_postgres

    if template:
        workspace_postgres.close_pool(database_url(server, template))  # a template must have no connections
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}"')
        admin.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
    return database_url(server, name)


def drop_postgres_database(server: str, name: str) -> None:
    import psycopg
    from services import workspace_postgres

    workspace_postgres.close_pool(database_url(server, name))
    with psycopg.connect(server, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def database_url(server: str, name: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    info = conninfo_to_dict(server)
    host, port, user = info.get("host", ""), info.get("port", ""), info.get("user", "postgres")
    return f"postgresql://{user}@/{name}?host={host}" + (f"&port={port}" if port else "")
