from django.urls import path

from exportctl.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.SignInView.as_view(), name="login"),
    path("logout/", views.SignOutView.as_view(), name="logout"),
    # Firm sign-up, confirmed by an e-mailed link.
    path("signup/", views.signup, name="signup"),
    path("signup/sent/", views.signup_sent, name="signup_sent"),
    path("signup/confirm/<str:token>/", views.signup_confirm, name="signup_confirm"),
    # The firm admin's pages.
    path("firm/", views.firm, name="firm"),
    path("firm/colleagues/", views.colleagues, name="colleagues"),
    path(
        "firm/colleagues/<uuid:public_id>/deactivate/",
        views.colleague_deactivate,
        name="colleague_deactivate",
    ),
    path(
        "firm/colleagues/<uuid:public_id>/make-admin/",
        views.colleague_make_admin,
        name="colleague_make_admin",
    ),
    path(
        "firm/colleagues/<uuid:public_id>/reactivate/",
        views.colleague_reactivate,
        name="colleague_reactivate",
    ),
    path("firm/invitations/", views.invitations, name="invitations"),
    path("firm/invitations/new/", views.invitation_new, name="invitation_new"),
    path(
        "firm/invitations/<uuid:public_id>/resend/",
        views.invitation_resend,
        name="invitation_resend",
    ),
    path(
        "firm/invitations/<uuid:public_id>/revoke/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
    # Everyone's own profile and password reset.
    path("profile/", views.profile, name="profile"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
]
