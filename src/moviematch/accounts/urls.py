"""URLs of the accounts app (included by ``moviematch.config.urls``)."""

from django.urls import path

from moviematch.accounts import views

app_name = "accounts"

urlpatterns = [
    path("signup/", views.signup, name="signup"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("guest/", views.guest_start, name="guest"),
    path("account/", views.account, name="account"),
    path("account/save/", views.guest_save, name="guest_save"),
    path("account/password/", views.PasswordChangeView.as_view(), name="password_change"),
]
