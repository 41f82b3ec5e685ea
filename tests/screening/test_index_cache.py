"""A large list's index is built once, saved, and opened memory-mapped by every process."""

import numpy as np
import pytest

from screening import index_cache
from screening.matching import ListIndex
from tests.screening.test_services import EUL_SAMPLE, publish_eul

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared(settings, tmp_path, monkeypatch):
    """Every list counts as large, and the shared directory is the test's own."""
    settings.SCREENING_INDEX_DIR = tmp_path / "screening-index"
    monkeypatch.setattr(index_cache, "SHARED_INDEX_MIN_NAMES", 0)
    index_cache.clear()
    yield settings.SCREENING_INDEX_DIR
    index_cache.clear()


def _search(version_index, name):
    return [
        (version_index.entries[h.entry_id].number, h.score)
        for h in version_index.index.search(name, country="IR")
    ]


def test_a_large_list_is_built_once_and_then_opened_from_disk(shared, monkeypatch):
    version = publish_eul(EUL_SAMPLE)

    first = index_cache.index_for_version(version)

    directory = shared / f"{version.pk}-{version.public_id}"
    assert (directory / "meta.pickle").is_file()
    assert isinstance(first.index.post_forms, np.memmap)  # the saved copy, not the built one
    found = _search(first, "Amirkabir Univ. of Technology")
    assert found and found[0][0] == 45

    # Another process (here: an emptied in-memory cache) opens the saved copy; it never builds.
    index_cache.clear()

    def no_build(*args, **kwargs):
        raise AssertionError("built again")

    monkeypatch.setattr(ListIndex, "build", no_build)
    second = index_cache.index_for_version(version)
    assert second is not first
    assert isinstance(second.index.tok_ids, np.memmap)
    assert _search(second, "Amirkabir Univ. of Technology") == found


def test_an_unreadable_saved_copy_is_built_again(shared):
    version = publish_eul(EUL_SAMPLE)
    directory = shared / f"{version.pk}-{version.public_id}"
    directory.mkdir(parents=True)
    (directory / "meta.pickle").write_bytes(b"not an index")

    built = index_cache.index_for_version(version)

    assert _search(built, "Amirkabir Univ. of Technology")[0][0] == 45
    assert (directory / "meta.pickle").read_bytes() != b"not an index"


def test_the_end_user_list_is_built_in_memory_and_not_saved(settings, tmp_path):
    settings.SCREENING_INDEX_DIR = tmp_path / "screening-index"
    index_cache.clear()
    version = publish_eul(EUL_SAMPLE)

    built = index_cache.index_for_version(version)

    assert not settings.SCREENING_INDEX_DIR.exists()
    assert not isinstance(built.index.post_forms, np.memmap)
    index_cache.clear()


# --- The index's own storage -------------------------------------------------------------------

NAMES = [
    ("1", "Amir Kabir University of Technology", "IR", "organization"),
    ("1", "Amirkabir University of Technology", "IR", "organization"),
    ("2", "Pyongyang Public Library", "KP", "organization"),
    ("2", "平壌市図書館", "KP", "organization"),
    ("3", "Harbin Institute of Technology (HIT)", "CN", "organization"),
    ("4", "Kim Jong Un", "KP", "person"),
    ("5", "Delta Engineering Concern FZE (DEC)", "AE", "organization"),
    ("6", "Korea Mining Development Trading Corporation", "KP", "organization"),
]
QUERIES = [
    "Amirkabir Univ. of Technology",
    "Pyongyang City Library",
    "平壌市図書館",
    "HIT",
    "Jong Un Kim",
    "Delta Engineering Concern",
    "Korea Mining Development Trading Corp",
]


def _listed():
    from screening.matching import ListedName

    return [
        ListedName(eid, name, country=c, kind=k, source="test") for eid, name, c, k in NAMES * 3
    ]


def _results(index):
    return [
        [(h.entry_id, h.score, h.matched_name, h.listed.kind) for h in index.search(q)]
        for q in QUERIES
    ]


def test_a_saved_large_index_searches_exactly_as_the_built_one(tmp_path):
    """brute_force_limit=0: the large-list layout (names as columns, no brute force)."""
    built = ListIndex.build(_listed(), version="test:1", brute_force_limit=0)
    built.save(tmp_path / "index")

    opened = ListIndex.load(tmp_path / "index")

    assert isinstance(opened.form_name, np.memmap)
    assert opened.version == "test:1"
    assert [opened.names[i] for i in range(len(opened.names))] == _listed()
    assert _results(opened) == _results(built)
    assert _results(built)[0][0][0] == "1"


def test_a_small_index_saved_and_opened_keeps_its_brute_force(tmp_path):
    built = ListIndex.build(_listed())
    built.save(tmp_path / "index")

    opened = ListIndex.load(tmp_path / "index", mmap=False)

    assert opened.texts == built.texts
    assert opened.names == built.names
    assert _results(opened) == _results(built)


def test_an_index_saved_in_another_layout_is_refused(tmp_path):
    import pickle

    ListIndex.build(_listed()).save(tmp_path / "index")
    meta = tmp_path / "index" / "meta.pickle"
    data = pickle.loads(meta.read_bytes())
    meta.write_bytes(pickle.dumps({**data, "format": 0}))

    with pytest.raises(ValueError):
        ListIndex.load(tmp_path / "index")


def test_a_large_list_analysed_by_worker_processes_gives_the_same_index(monkeypatch):
    from screening.matching import index as index_module

    alone = ListIndex.build(_listed(), brute_force_limit=0, workers=1)
    monkeypatch.setattr(index_module, "PARALLEL_BUILD_MIN", 1)
    monkeypatch.setattr(index_module, "ANALYSE_CHUNK", 5)
    shared = ListIndex.build(_listed(), brute_force_limit=0, workers=2)

    for name in ("form_name", "form_variant", "tok_ids", "tok_offsets", "post_forms"):
        assert np.array_equal(getattr(alone, name), getattr(shared, name)), name
    assert alone.vocab.tokens == shared.vocab.tokens
    assert alone.cjk == shared.cjk
    assert _results(shared) == _results(alone)
