"""The README's configuration table lists every setting there is, so a newcomer never meets an undocumented one."""

from pathlib import Path

from kholuutru.archive.settings import Settings

README = Path(__file__).resolve().parent.parent / "README.md"


def test_every_setting_is_in_the_readme():
    text = README.read_text()
    for row in Settings().described():
        assert f"`{row['name']}`" in text, row["name"]


def test_the_readme_names_the_two_commands():
    text = README.read_text()
    assert "make run" in text and "make test" in text
