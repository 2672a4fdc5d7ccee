"""The query count of each request in a response header (`X-Bench-Queries`), for the runner."""

from django.db import connection

QUERY_COUNT_HEADER = "X-Bench-Queries"


class QueryCountMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        count = 0

        def counting(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        with connection.execute_wrapper(counting):
            response = self.get_response(request)
        response[QUERY_COUNT_HEADER] = str(count)
        return response
