from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse

from portal.accounts import throttle


class LoginView(auth_views.LoginView):
    """Login with throttling: too many failures for a name or an address lock it for a while (throttle.py)."""

    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        if throttle.is_locked(request, username):
            form = self.get_form()
            minutes = settings.OPORA_LOGIN_LOCK_MINUTES
            return self.render_to_response(
                self.get_context_data(
                    form=form,
                    locked=f"Слишком много неудачных попыток входа. Вход временно закрыт; повторите через "
                    f"{minutes} мин. Если вы забыли пароль, обратитесь к муниципальному координатору.",
                ),
                status=429,
            )
        response = super().post(request, *args, **kwargs)
        if request.user.is_authenticated:
            throttle.succeeded(request, username)
        else:
            throttle.failed(request, username)
        return response
