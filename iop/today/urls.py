from django.urls import path

from . import views

app_name = "today"

urlpatterns = [
    path("", views.today, name="today"),
    path("board/", views.today_board_partial, name="board"),
    path("census/", views.census, name="census"),
]
