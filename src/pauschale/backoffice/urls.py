from django.urls import path

from .views import account, cases, dashboard, institution, operations, payments

app_name = "backoffice"
urlpatterns = [
    path("", account.home, name="home"),
    path("login/", account.login_view, name="login"),
    path("logout/", account.logout_view, name="logout"),
    # institutions
    path("codes/", institution.batch_list, name="batches"),
    path("codes/new/", institution.batch_new, name="batch_new"),
    path("codes/list/", institution.batch_upload, name="batch_upload"),
    path("codes/revoke/", institution.code_revoke, name="code_revoke"),
    path("codes/<int:pk>/", institution.batch_detail, name="batch"),
    path(
        "codes/<int:pk>/download/<str:kind>/",
        institution.batch_download,
        name="batch_download",
    ),
    path(
        "codes/<int:pk>/download/<str:kind>/<int:part>/",
        institution.batch_download,
        name="batch_download_part",
    ),
    path(
        "codes/<int:pk>/destroy/",
        institution.batch_destroy_codes,
        name="batch_destroy_codes",
    ),
    path("codes/<int:pk>/revoke/", institution.batch_revoke, name="batch_revoke"),
    # operators
    path("warteraum/", operations.waiting_rooms, name="waiting_rooms"),
    path("warteraum/<slug:slug>/", operations.waiting_room, name="waiting_room"),
    # Land authorities
    path("applications/", cases.application_list, name="applications"),
    path("applications/referred/", cases.referral_list, name="referrals"),
    path("applications/paper/", cases.paper_new, name="paper_new"),
    path("applications/<int:pk>/", cases.application_detail, name="application"),
    path(
        "applications/<int:pk>/decide/",
        cases.application_decide,
        name="application_decide",
    ),
    # payment runs and bank files
    path("runs/", payments.run_list, name="runs"),
    path("runs/prepare/", payments.run_prepare, name="run_prepare"),
    path("runs/<int:pk>/", payments.run_detail, name="run"),
    path("runs/<int:pk>/release/", payments.run_release, name="run_release"),
    path("runs/<int:pk>/cancel/", payments.run_cancel, name="run_cancel"),
    path(
        "runs/files/<int:pk>/download/",
        payments.run_file_download,
        name="run_file_download",
    ),
    path("bank/", payments.bank_file_list, name="bank_files"),
    path("bank/<int:pk>/", payments.bank_file_detail, name="bank_file"),
    # dashboards
    path("dashboard/", dashboard.dashboard_page, name="dashboard"),
    path("dashboard/<str:dataset>.csv", dashboard.dashboard_csv, name="dashboard_csv"),
]
