"""The happy path of the API, end to end, as a second client written from PROTOCOL.md."""
import protocol


def test_register_write_read_from_second_device(proto):
    anna = proto.register("anna@example.fi")
    item_id = anna.write("Välitehtävä", "Huomasin onnistumisen.", ["tiimi"])
    phone = proto.login(anna)
    listed = phone.get("/items").get_json()
    assert [i["id"] for i in listed["items"]] == [item_id]
    assert phone.open(listed["items"][0]) == {"title": "Välitehtävä",
                                              "body": "Huomasin onnistumisen.",
                                              "tags": ["tiimi"]}
    me = phone.get("/me").get_json()
    assert me["uid"] == anna.uid and me["bundle"] == anna.account.registration["bundle"]


def test_login_keys_unlock_with_password(proto):
    anna = proto.register()
    phone = proto.login(anna)
    keys = phone.get("/me/keys").get_json()
    unlocked = protocol.unlock_account(anna.email, anna.password, keys)
    assert unlocked.ak == anna.account.ak
