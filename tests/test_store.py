"""On-disk resolver state: the maps behave as dicts whatever their cache holds, and the
resolver gives the same entities with a tiny cache as with a large one."""

from kg.model import Mention
from kg.ontology import load_ontology
from kg.resolve import EntityResolver
from kg.store import JSON, MIN_CAPACITY, NOTHING, Store


def test_disk_map_keeps_every_entry_and_change_past_its_cache():
    store = Store()
    table = store.map("t", JSON, capacity=MIN_CAPACITY)
    for i in range(500):
        table[("k", str(i))] = {"n": i}
    table[("k", "3")]["n"] = 99  # changed in place: lost unless the map is mutable
    assert table.cached <= MIN_CAPACITY
    assert table.get(("k", "499")) == {"n": 499} and table[("k", "0")] == {"n": 0}
    assert ("k", "7") in table and ("k", "500") not in table
    assert table.pop(("k", "8")) == {"n": 8} and ("k", "8") not in table
    assert table.setdefault(("k", "8"), {"n": -1}) == {"n": -1}
    assert len(table) == 500 and dict(table.items())[("k", "250")] == {"n": 250}
    store.close()
    assert not store.path.exists()


def test_mutable_disk_map_writes_back_values_changed_in_place():
    store = Store()
    counts = store.map("c", JSON, capacity=MIN_CAPACITY, mutable=True, order_by=lambda k: k[1].zfill(4))
    for i in range(100):
        counts.setdefault(("x", str(i)), [0])[0] += i
    for i in range(100):
        counts[("x", str(i))][0] += 1
    assert [v[0] for _, v in counts.items_ordered()] == [i + 1 for i in range(100)]


def test_disk_list_appends_indexes_and_iterates_in_order():
    store = Store()
    items = store.list("l")
    for i in range(30):
        items.append(["d", i])
    assert len(items) == 30 and items[0] == ["d", 0] and items[-1] == ["d", 29]
    assert list(items)[10] == ["d", 10] and items == [["d", i] for i in range(30)]


def test_set_use_of_a_disk_map():
    store = Store()
    seen = store.map("s", NOTHING, capacity=MIN_CAPACITY)
    for i in range(100):
        seen.add(("f", f"名称{i}"))
    assert all(("f", f"名称{i}") in seen for i in range(100)) and ("f", "名称100") not in seen


# Invented companies; the declaration and the traditional spelling merge across documents.
DOCS = [("d1", "星河科技股份有限公司（Xinghe Tech，以下简称“星河”）发布新品。", ["星河科技股份有限公司", "星河"]),
        ("d2", "星河與雲帆半導體合作。", ["星河", "雲帆半導體"]),
        ("d3", "云帆半导体投资了青岚资本。", ["云帆半导体", "青岚资本"])]


def _resolved(cache_size):
    resolver = EntityResolver(load_ontology(), cache_size=cache_size)
    for doc, text, names in DOCS:
        mentions = [Mention(doc, name, "Company", text.index(name), text.index(name) + len(name)) for name in names]
        resolver.learn_document_aliases(text, mentions, doc)
        for m in mentions:
            resolver.canonical(m.text, m.type, doc)
    for i in range(300):  # many more names than the small cache holds
        resolver.canonical(f"公司{i:03d}", "Company", "d4")
        resolver.canonical("星河", "Company", "d4")
    return resolver.entities(), [d.to_dict() for d in resolver.decisions]


def test_resolver_gives_the_same_entities_with_a_tiny_cache():
    small, large = _resolved(MIN_CAPACITY), _resolved(100_000)
    assert small == large
    names = {e.name: e for e in small[0]}
    assert names["星河"].aliases == ("星河科技股份有限公司",) and names["云帆半导体"].aliases == ("雲帆半導體",)
    assert len(small[0]) == 303


def test_a_store_at_a_path_is_kept_and_read_back(tmp_path):
    store = Store(tmp_path / "resolver.sqlite")
    store.map("m", JSON, capacity=MIN_CAPACITY)[("a", "b")] = [1, 2]
    store.close()
    again = Store(tmp_path / "resolver.sqlite")
    assert again.map("m", JSON)[("a", "b")] == [1, 2]
