"""Hashes the archive writes are the ones the console's login (Werkzeug) accepts."""

from werkzeug.security import check_password_hash

from kholuutru.archive.passwords import check_password, hash_password


def test_console_login_accepts_archive_hashes():
    stored = hash_password("Mật-khẩu dài 2026")
    assert check_password_hash(stored, "Mật-khẩu dài 2026")
    assert not check_password_hash(stored, "Mật-khẩu dài 2025")
    assert check_password(stored, "Mật-khẩu dài 2026") and not check_password(stored, "sai")
    assert hash_password("x") != hash_password("x")  # salted
