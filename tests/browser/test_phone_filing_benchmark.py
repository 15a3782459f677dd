"""The phone-filing benchmark (partnerships/benchmark/phone_filing.py): slow, so only on demand."""

import os

import pytest
from django.urls import reverse

from alerts.models import Alert
from partnerships.benchmark import phone_filing
from tests.browser.conftest import PHONE

pytestmark = pytest.mark.skipif(
    os.environ.get("PASSERELLE_BENCH_PHONE") != "1", reason="benchmark: set PASSERELLE_BENCH_PHONE=1"
)


def answer(page):
    page.select_option("select[name=category]", "drugs")
    page.select_option("select[name=subcategory]", "deal_point")
    page.select_option("select[name=place_type]", "hall")
    page.select_option("select[name=urgency]", "high")
    page.fill("textarea[name=description]", "Regroupement dans le hall B, échanges suspects.")


def test_filing_from_a_phone_on_slow_3g_with_a_4_mb_photo(world, live_server, new_page, login_as, tmp_path):
    photo = tmp_path / "IMG_0001.jpg"
    photo.write_bytes(phone_filing.four_megabyte_photo())
    page = new_page(PHONE)
    page.add_init_script(phone_filing.PAGE_SENDS)
    login_as(page, live_server, world.landlord_agent)
    url = f"{live_server.url}{reverse('alerts:create')}?site={world.site_creil.pk}"
    page.goto(url)  # a phone that has used the app before: its worker and cache are in place
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    seconds = phone_filing.measure(page, url, str(photo), answer)
    uploaded = Alert.objects.get().attachments.get().size
    result = phone_filing.record(seconds, photo.stat().st_size, uploaded)
    print(result)
    assert result["within_budget"], result
