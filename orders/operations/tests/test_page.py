"""The operations page: staff with the permission see it, drawn without script, for 10,000 orders."""

import importlib
import re

import pytest
from django.contrib.auth.models import Group, Permission, User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from .factories import build_article_views, build_assessments, build_orders

pytestmark = pytest.mark.django_db

URL = "/admin/operations/operationspage/"


def staff_member(username="ops-staff"):
    """A member of the Staff group, its operations permission repaired (tests may flush it)."""
    codenames = importlib.import_module(
        "orders.operations.migrations.0002_staff_view_operations"
    ).CODENAMES
    group, _created = Group.objects.get_or_create(name="Staff")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="operations", codename__in=codenames)
    )
    user = User.objects.create_user(username, password="pw-staff-123456", is_staff=True)
    user.groups.add(group)
    return user


def test_the_url_is_the_admin_changelist_of_the_page():
    assert reverse("admin:operations_operationspage_changelist") == URL


def test_staff_in_the_staff_group_see_the_page_and_the_index_links_to_it(client):
    client.force_login(staff_member())
    index = client.get("/admin/")
    assert URL in index.content.decode()
    page = client.get(URL)
    assert page.status_code == 200
    assert "The business at a glance" in page.content.decode()


def test_a_superuser_sees_it(client):
    client.force_login(User.objects.create_superuser("root", password="pw-root-123456"))
    assert client.get(URL).status_code == 200


def test_staff_without_the_permission_and_everyone_else_do_not(client):
    client.force_login(User.objects.create_user("other", password="pw-123456789", is_staff=True))
    assert client.get(URL).status_code == 403
    assert URL not in client.get("/admin/").content.decode()
    client.force_login(User.objects.create_user("customer", password="pw-123456789"))
    assert client.get(URL)["Location"].startswith("/admin/login/")
    client.logout()
    assert client.get(URL)["Location"].startswith("/admin/login/")


def test_there_is_nothing_to_add_change_or_delete(client):
    orders = build_orders(1)
    client.force_login(staff_member())
    assert client.get(URL + "add/").status_code == 403
    assert client.get(f"{URL}{orders[0].pk}/change/").status_code == 403
    assert client.get(f"{URL}{orders[0].pk}/delete/").status_code == 403
    assert client.get(f"{URL}{orders[0].pk}/history/").status_code == 403


def test_the_page_renders_10000_orders_in_a_bounded_number_of_queries(client):
    build_orders(10_000)
    build_assessments(1_000)
    build_article_views()
    client.force_login(staff_member())
    client.get(URL)  # the session and permission caches warm
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL)
    assert response.status_code == 200
    assert len(captured.captured_queries) <= 16  # 11 figures + session, user, permissions
    html = response.content.decode()
    charts = re.findall(
        r'<svg class="ops-chart" role="img" aria-labelledby="(\w+)-title \1-desc"', html
    )
    assert charts == ["states", "funnel", "time", "lab", "queue", "money"]
    for chart in charts:
        assert f'<title id="{chart}-title">' in html and f'<desc id="{chart}-desc">' in html
    body = html[html.index('<div class="ops-page">') :]
    assert body.count("<table>") == 6 and body.count("<caption>") == 6
    assert "10,000 orders in all" in body
    assert "£" in body  # refunds in money, not pence
    assert "<script" not in body  # the charts need no script


def test_the_charts_fit_a_1280px_screen_beside_their_tables(client):
    """Each chart is 480 units wide and scales down; with its table (at most 640px) and the gap it
    fits the admin's content column at 1280px, and wraps below it on a narrower screen."""
    build_orders(50)
    client.force_login(staff_member())
    html = client.get(URL).content.decode()
    widths = {int(w) for w in re.findall(r'<svg class="ops-chart"[^>]* width="(\d+)"', html)}
    assert widths == {480}
    assert 480 + 24 + 640 <= 1280 - 2 * 40  # chart + gap + widest table within the padding


def test_bars_are_drawn_in_proportion_to_their_values():
    from orders.operations.charts import bar_chart

    chart = bar_chart(
        chart_id="x",
        title="T",
        description="D",
        items=[("a", 10, "10"), ("b", 5, "5"), ("c", 0, "0")],
    )
    assert [bar.width for bar in chart.bars] == [170, 85, 0]
    assert chart.bars[1].y > chart.bars[0].y
