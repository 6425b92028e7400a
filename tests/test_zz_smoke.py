def test_smoke(app, client, workshop, api_token):
    r = client.get("/healthz")
    print(r.status_code, r.headers)
    r = client.get("/api/v1/workshops/%d" % workshop.id, headers={"Authorization": "Bearer " + api_token})
    print(r.status_code, r.json)
    r = client.get("/login")
    print(r.status_code, r.data[:300])
