"""While the data directory is nearly full, no new job is taken; everything else answers."""

from tests.gateway.helpers import API, GatewayStarter, submit


def test_new_jobs_are_refused_while_the_data_directory_is_nearly_full(
    gateway_with: GatewayStarter,
) -> None:
    # Given a gateway with a job, that then wants more free space than the disk has
    with gateway_with() as client:
        job_id = submit(client)
    with gateway_with(min_free_disk_bytes=10**18) as client:
        # When a new job is posted
        response = client.post(f"{API}/generate", json={"text": "One more story."})

        # Then it is refused for now, with a reason
        assert response.status_code == 503
        assert response.json() == {
            "error": "Not accepting new jobs: the data directory is nearly full; try again later"
        }
        # And the job already there can still be followed
        assert client.get(f"{API}/status/{job_id}").json()["status"] == "queued"
        assert len(client.get(f"{API}/jobs").json()["jobs"]) == 1


def test_with_enough_free_space_jobs_are_taken(gateway_with: GatewayStarter) -> None:
    # Given a gateway whose minimum free space the disk has
    with gateway_with(min_free_disk_bytes=1) as client:
        # When a job is posted, Then it is accepted
        submit(client)
